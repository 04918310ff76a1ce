"""Manual measurement: /healthz latency while clients flood /signup.

Usage: python3 signup_flood.py PATH/TO/auth-service CLIENTS SECONDS
Starts the binary on 127.0.0.1:0 with a fresh database and keyring in a
temporary directory (per-address limit raised), runs CLIENTS threads each
signing up back to back with a fresh random 128-character password, and
probes /healthz every 10 ms; prints the sign-up statuses and the probe's
p50/p99/max. With L33T=1 the passwords mix digits and `@ !$|(+` among
letters, which zxcvbn's l33t matcher is slowest on. Python standard library
only; the numbers it printed are in docs/src/auth-service.md.
"""
import http.client, json, os, random, re, shutil, string, subprocess, sys, tempfile, threading, time

binary, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
d = tempfile.mkdtemp()
env = dict(os.environ, AUTH_SERVICE_ADDR="127.0.0.1:0", AUTH_SERVICE_DB=f"{d}/a.db",
           AUTH_SERVICE_KEYRING=f"{d}/k.json", AUTH_SERVICE_LOGIN_PER_IP="1000000")
p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
m = None
while m is None:
    m = re.search(r"http://127\.0\.0\.1:(\d+)", p.stdout.readline())
port = int(m.group(1))
alpha = (string.ascii_letters + "0123456789@!$|(+") if os.environ.get("L33T") else string.ascii_letters.replace("l", "").replace("I", "").replace("O", "").replace("o", "") + "#^&*_=[]{};:<>?,.~-/%"
stop = time.time() + seconds
counts = {}
def flood(c):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while time.time() < stop:
        pw = "".join(random.choice(alpha) for _ in range(128))
        body = json.dumps({"email": f"u{c}x{n}@example.com", "username": f"u{c}x{n}", "password": pw})
        conn.request("POST", "/signup", body, {"content-type": "application/json"})
        r = conn.getresponse(); r.read()
        counts[r.status] = counts.get(r.status, 0) + 1
        n += 1
lat = []
def probe():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    time.sleep(0.5)
    while time.time() < stop - 0.2:
        t = time.perf_counter()
        conn.request("GET", "/healthz"); r = conn.getresponse(); r.read()
        lat.append((time.perf_counter() - t) * 1000)
        time.sleep(0.01)
ts = [threading.Thread(target=flood, args=(c,)) for c in range(clients)] + [threading.Thread(target=probe)]
for t in ts: t.start()
for t in ts: t.join()
p.terminate(); p.wait()
shutil.rmtree(d, ignore_errors=True)
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print(f"{os.path.basename(binary)}: {clients} clients {seconds}s signups {counts} healthz n={len(lat)} p50={q(.5):.1f}ms p99={q(.99):.1f}ms max={lat[-1]:.1f}ms")
