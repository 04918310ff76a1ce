#!/usr/bin/env python3
"""Generates the password-migration vectors in this directory.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install -r requirements.txt
    /tmp/v/bin/python gen_migrate.py          > vectors.tsv   # Django 5.2, passlib, argon2-cffi, PyNaCl
    /tmp/v/bin/python gen_migrate.py layout   > layout.tsv    # Spring, ASP.NET, PHP, WordPress, node, Rails, Laravel
    python3 -m venv /tmp/v50 && /tmp/v50/bin/pip install -r requirements-django50.txt
    /tmp/v50/bin/python gen_migrate.py django50 > django50.tsv  # hashers Django 5.1 removed

Columns (tab separated): family, scheme, source (package==version + class/setting
or the layout's source file), made_by (framework | layout | framework-test),
kind (right | wrong | tampered), password_hex (UTF-8), stored, expect
(valid | invalid | refused:<param>).

Each vector is three rows: the right password; a wrong one (password + "!");
a tampered twin (one digest character replaced by another character of the
same alphabet, still well formed). `refused:<param>` rows are refused before
any work, whatever the candidate. Salts are fixed where the framework's API
accepts one; elsewhere they are random (the rows are committed, not regenerated
by the tests).
"""
import base64
import hashlib
import hmac
import os
import struct
import sys
import unicodedata

MODE = sys.argv[1] if len(sys.argv) > 1 else "default"

B64STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64CRYPT = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # bcrypt, phpass, crypt
AB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./"    # passlib ab64
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"

DEFAULT_PW = "correct horse battery staple"
# Cheap-cost variety: ASCII, NFC non-ASCII, an emoji, exactly 72 bytes (bcrypt's limit).
CHEAP_PWS = [
    "password",
    unicodedata.normalize("NFC", "p\u00e4ssw\u00f6rd"),
    "\U0001F511 emoji",
    ("Tr0ub4dor&3-" * 6)[:72],
]
assert len(CHEAP_PWS[3].encode()) == 72

ROWS = []


def tamper(stored, start, end, alphabet):
    """Replace the character in the middle of stored[start:end] by the next one of `alphabet`."""
    if end is None:
        end = len(stored)
    i = start + (end - start) // 2
    c = stored[i]
    assert c in alphabet, (stored, i, c)
    n = alphabet[(alphabet.index(c) + 1) % len(alphabet)]
    return stored[:i] + n + stored[i + 1:]


def after_last(stored, sep="$"):
    return stored.rindex(sep) + 1


def emit(family, scheme, source, made_by, pw, stored, span, alphabet, expect="valid", check=None):
    """Three rows: right, wrong, tampered. `span` = (start, end) of the digest text in `stored`.
    `check(password, stored) -> bool`, the framework's own verify where there is one: it must
    accept the right row and reject the wrong and the tampered ones (tampered stays parseable)."""
    assert "\t" not in stored and "\n" not in stored
    pwb = pw.encode("utf-8") if isinstance(pw, str) else pw
    wrong = pwb + b"!"
    t = tamper(stored, span[0], span[1], alphabet)
    assert t != stored
    refused = expect.startswith("refused:")
    if check is not None:
        def says(p, s):
            try:
                return check(p, s)
            except ValueError:  # bcrypt 5 refuses a 73-byte candidate (the 72-byte password + "!")
                return False
        assert says(pw, stored), (scheme, stored)
        assert not says(pw + "!", stored), (scheme, stored)
        assert not says(pw, t), (scheme, t)
    ROWS.append((family, scheme, source, made_by, "right", pwb.hex(), stored, expect))
    ROWS.append((family, scheme, source, made_by, "wrong", wrong.hex(), stored, expect if refused else "invalid"))
    ROWS.append((family, scheme, source, made_by, "tampered", pwb.hex(), t, expect if refused else "invalid"))


def literal(family, scheme, source, pw, stored, expect="valid"):
    """A framework's own test literal (right row only; provenance in `source`)."""
    pwb = pw.encode("utf-8") if isinstance(pw, str) else pw
    ROWS.append((family, scheme, source, "framework-test", "right", pwb.hex(), stored, expect))


def bcrypt_span(stored):
    return (len(stored) - 31, len(stored))


def out(header):
    print("# " + header)
    print("# family\tscheme\tsource\tmade_by\tkind\tpassword_hex\tstored\texpect")
    for r in ROWS:
        print("\t".join(r))


def shim_bcrypt_for_passlib():
    """passlib 1.7.4's bcrypt backend self-test hashes a 255-byte secret, which
    bcrypt 5 refuses (ValueError). Truncating to 72 bytes restores bcrypt 4's
    behaviour while the backend loads (its self-test) only: every password
    hashed here is <= 72 bytes, so no vector is affected."""
    import bcrypt as _b
    from passlib import hash as ph
    orig = _b.hashpw
    _b.hashpw = lambda pw, salt: orig(pw[:72], salt)
    try:
        for h in (ph.bcrypt, ph.bcrypt_sha256):
            h.set_backend("bcrypt")  # runs the self-test once, under the shim
    finally:
        _b.hashpw = orig  # verifies below see bcrypt 5 as it is (a 73-byte candidate raises)


# --------------------------------------------------------------------------- default
def django52():
    import django
    from django.conf import settings
    settings.configure(PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        "django.contrib.auth.hashers.BCryptPasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ])
    django.setup()
    from django.contrib.auth import hashers as H
    ver = "Django==" + django.get_version()
    salt = "SaltSaltSaltSaltSaltSa"  # 22 chars, like Django's get_random_string(22)
    assert len(salt) == 22

    def span_for(cls, s):
        if cls in (H.BCryptSHA256PasswordHasher, H.BCryptPasswordHasher):
            return bcrypt_span(s), B64CRYPT
        if cls is H.Argon2PasswordHasher:
            return (after_last(s), None), B64STD
        if cls is H.MD5PasswordHasher:
            return (after_last(s), None), HEX
        return (after_last(s), None), B64STD

    cheap = {
        H.PBKDF2PasswordHasher: dict(iterations=1000),
        H.PBKDF2SHA1PasswordHasher: dict(iterations=1000),
        H.Argon2PasswordHasher: dict(time_cost=1, memory_cost=256, parallelism=1),
        H.BCryptSHA256PasswordHasher: dict(rounds=4),
        H.BCryptPasswordHasher: dict(rounds=4),
        H.ScryptPasswordHasher: dict(work_factor=2 ** 10, block_size=8, parallelism=1),
        H.MD5PasswordHasher: dict(),
    }
    for cls, over in cheap.items():
        inst = cls()
        fixed_salt = cls not in (H.BCryptSHA256PasswordHasher, H.BCryptPasswordHasher)
        s = H.make_password(DEFAULT_PW, salt if fixed_salt else None, hasher=inst)
        assert H.check_password(DEFAULT_PW, s)
        (a, b), alpha = span_for(cls, s)
        emit("django", inst.algorithm, f"{ver} {cls.__name__} (defaults)", "framework", DEFAULT_PW, s, (a, b), alpha, check=H.check_password)
        sub = type(cls.__name__ + "Cheap", (cls,), over)()
        desc = ",".join(f"{k}={v}" for k, v in over.items()) or "defaults"
        for pw in CHEAP_PWS:
            s = H.make_password(pw, salt if fixed_salt else None, hasher=sub)
            assert sub.verify(pw, s)
            (a, b), alpha = span_for(cls, s)
            emit("django", inst.algorithm, f"{ver} {cls.__name__} ({desc})", "framework", pw, s, (a, b), alpha, check=H.check_password)


def passlib_rows():
    shim_bcrypt_for_passlib()
    import passlib
    from passlib import hash as ph
    ver = "passlib==" + passlib.__version__
    # (scheme name, handler with defaults, cheap variant kwargs, span function, alphabet)
    last = lambda s: (after_last(s), None)
    specs = [
        ("bcrypt_sha256", ph.bcrypt_sha256, {}, dict(rounds=4), bcrypt_last31 := (lambda s: bcrypt_span(s)), B64CRYPT),
        ("bcrypt_sha256_v1", ph.bcrypt_sha256.using(version=1), {}, dict(rounds=4), bcrypt_last31, B64CRYPT),
        ("bcrypt", ph.bcrypt, {}, dict(rounds=4), bcrypt_last31, B64CRYPT),
        ("argon2", ph.argon2, {}, dict(rounds=1, memory_cost=256, parallelism=1), last, B64STD),
        ("pbkdf2_sha1", ph.pbkdf2_sha1, {}, dict(rounds=1000), last, AB64),
        ("pbkdf2_sha256", ph.pbkdf2_sha256, {}, dict(rounds=1000), last, AB64),
        ("pbkdf2_sha512", ph.pbkdf2_sha512, {}, dict(rounds=1000), last, AB64),
        ("sha256_crypt", ph.sha256_crypt, {}, dict(rounds=5000), last, B64CRYPT),
        ("sha512_crypt", ph.sha512_crypt, {}, dict(rounds=5000), last, B64CRYPT),
        ("sha1_crypt", ph.sha1_crypt, {}, dict(rounds=1000), last, B64CRYPT),
        ("md5_crypt", ph.md5_crypt, {}, None, last, B64CRYPT),
        ("apr_md5_crypt", ph.apr_md5_crypt, {}, None, last, B64CRYPT),
        ("scrypt", ph.scrypt, {}, dict(rounds=10), last, AB64),
        ("phpass", ph.phpass, {}, dict(rounds=7), lambda s: (12, None), B64CRYPT),
        ("phpass_H", ph.phpass.using(ident="H"), {}, dict(rounds=7), lambda s: (12, None), B64CRYPT),
        ("ldap_md5", ph.ldap_md5, {}, None, lambda s: (5, 5 + 20), B64STD),
        ("ldap_sha1", ph.ldap_sha1, {}, None, lambda s: (5, 5 + 24), B64STD),
        ("ldap_salted_md5", ph.ldap_salted_md5, {}, None, lambda s: (6, 6 + 20), B64STD),
        ("ldap_salted_sha1", ph.ldap_salted_sha1, {}, None, lambda s: (6, 6 + 24), B64STD),
        ("ldap_salted_sha256", ph.ldap_salted_sha256, {}, None, lambda s: (9, 9 + 40), B64STD),
        ("ldap_salted_sha512", ph.ldap_salted_sha512, {}, None, lambda s: (9, 9 + 80), B64STD),
        ("ldap_hex_md5", ph.ldap_hex_md5, {}, None, lambda s: (5, None), HEX),
        ("ldap_hex_sha1", ph.ldap_hex_sha1, {}, None, lambda s: (5, None), HEX),
        ("atlassian_pbkdf2_sha1", ph.atlassian_pbkdf2_sha1, {}, None, lambda s: (9 + 24, len(s) - 4), B64STD),
        ("ldap_md5_crypt", ph.ldap_md5_crypt, {}, None, last, B64CRYPT),
        ("ldap_sha256_crypt", ph.ldap_sha256_crypt, {}, dict(rounds=5000), last, B64CRYPT),
        ("ldap_sha512_crypt", ph.ldap_sha512_crypt, {}, dict(rounds=5000), last, B64CRYPT),
        ("ldap_sha1_crypt", ph.ldap_sha1_crypt, {}, dict(rounds=1000), last, B64CRYPT),
        ("ldap_bcrypt", ph.ldap_bcrypt, {}, dict(rounds=4), bcrypt_last31, B64CRYPT),
    ]
    for name, handler, _, cheap, spanf, alpha in specs:
        s = handler.hash(DEFAULT_PW)
        assert handler.verify(DEFAULT_PW, s)
        src = f"{ver} {name} (defaults)"
        if name.startswith("bcrypt") or name == "ldap_bcrypt":
            src += " backend bcrypt==5.0.0"
        if name == "argon2":
            src += " backend argon2-cffi==25.1.0"
        emit("passlib", name, src, "framework", DEFAULT_PW, s, spanf(s), alpha, check=handler.verify)
        h2 = handler.using(**cheap) if cheap else handler
        desc = ",".join(f"{k}={v}" for k, v in (cheap or {}).items()) or "defaults"
        for pw in CHEAP_PWS:
            s = h2.hash(pw)
            assert h2.verify(pw, s)
            emit("passlib", name, f"{ver} {name} ({desc})", "framework", pw, s, spanf(s), alpha, check=h2.verify)


def cffi_check(p, s):
    import argon2
    try:
        return argon2.PasswordHasher().verify(s, p)
    except argon2.exceptions.VerificationError:
        return False


def argon2cffi_rows():
    import argon2
    from argon2 import PasswordHasher, profiles
    ver = "argon2-cffi==25.1.0"
    for label, ph in [("PasswordHasher() (RFC_9106_LOW_MEMORY)", PasswordHasher()),
                      ("PasswordHasher.from_parameters(profiles.PRE_21_2)", PasswordHasher.from_parameters(profiles.PRE_21_2))]:
        for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
            s = ph.hash(pw)
            assert ph.verify(s, pw)
            emit("argon2", "argon2-cffi", f"{ver} {label}", "framework", pw, s, (after_last(s), None), B64STD, check=cffi_check)
    cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    for pw in CHEAP_PWS:
        s = cheap.hash(pw)
        emit("argon2", "argon2-cffi", f"{ver} PasswordHasher(time_cost=1,memory_cost=256,parallelism=1)", "framework", pw, s, (after_last(s), None), B64STD, check=cffi_check)
    # argon2i as argon2-cffi < 18.2 wrote it (type=I); same library, older default type.
    old = PasswordHasher(time_cost=2, memory_cost=512, parallelism=2, hash_len=16, type=argon2.Type.I)
    for pw in CHEAP_PWS[:2]:
        s = old.hash(pw)
        emit("argon2", "argon2-cffi-argon2i", f"{ver} PasswordHasher(type=Type.I,time_cost=2,memory_cost=512,parallelism=2,hash_len=16)", "framework", pw, s, (after_last(s), None), B64STD, check=cffi_check)


def nacl_check(mod):
    import nacl.exceptions
    def check(p, s):
        try:
            return mod.verify(s.encode(), p.encode())
        except nacl.exceptions.InvalidkeyError:
            return False
    return check


def nacl_rows():
    import nacl
    import nacl.pwhash as pw_
    ver = "PyNaCl==" + nacl.__version__
    for variant, mod in [("argon2id", pw_.argon2id), ("argon2i", pw_.argon2i)]:
        for level in ["INTERACTIVE", "MODERATE", "SENSITIVE"]:
            ops, mem = getattr(mod, "OPSLIMIT_" + level), getattr(mod, "MEMLIMIT_" + level)
            pws = [DEFAULT_PW] if level != "INTERACTIVE" else [DEFAULT_PW] + CHEAP_PWS[1:3]
            for pw in pws:
                s = mod.str(pw.encode(), opslimit=ops, memlimit=mem).decode()
                assert mod.verify(s.encode(), pw.encode())
                # Caps: 256 MiB memory; argon2id SENSITIVE is 1 GiB, argon2i SENSITIVE 512 MiB.
                expect = "refused:m" if mem > 256 * 1024 * 1024 else "valid"
                emit("libsodium", f"{variant}-{level.lower()}", f"{ver} nacl.pwhash.{variant}.str OPSLIMIT_{level}/MEMLIMIT_{level} (libsodium crypto_pwhash_str)",
                     "framework", pw, s, (after_last(s), None), B64STD, expect, check=nacl_check(mod))


def django52_argon2i():
    """Django's argon2 hasher writing argon2i, as Django 1.10-2.x did (`argon2$argon2i$v=19$…`):
    a subclass whose params() returns Type.I, so Django's own encode/verify make and check it."""
    import argon2
    from django.contrib.auth import hashers as H
    import django
    ver = "Django==" + django.get_version()

    class Argon2iHasher(H.Argon2PasswordHasher):
        time_cost, memory_cost, parallelism = 2, 512, 2

        def params(self):
            return argon2.Parameters(type=argon2.low_level.Type.I, version=19, salt_len=argon2.DEFAULT_RANDOM_SALT_LENGTH,
                                     hash_len=argon2.DEFAULT_HASH_LENGTH, time_cost=self.time_cost,
                                     memory_cost=self.memory_cost, parallelism=self.parallelism)
    h = Argon2iHasher()
    for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
        s = H.make_password(pw, "SaltSaltSaltSaltSaltSa", hasher=h)
        assert s.startswith("argon2$argon2i$v=19$"), s
        emit("django", "argon2", f"{ver} Argon2PasswordHasher subclass params() type=Type.I (t=2,m=512,p=2; the argon2i form of Django 1.10-2.x)",
             "framework", pw, s, (after_last(s), None), B64STD, check=H.check_password)


# --------------------------------------------------------------------------- django50
def django50():
    import django
    from django.conf import settings
    settings.configure(PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.SHA1PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
        "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ])
    django.setup()
    from django.contrib.auth import hashers as H
    ver = "Django==" + django.get_version()
    salt = "SaltSaltSaltSaltSaltSa"
    for pw in [DEFAULT_PW] + CHEAP_PWS:
        s = H.make_password(pw, salt, hasher="sha1")
        assert H.check_password(pw, s)
        emit("django", "sha1", f"{ver} SHA1PasswordHasher (removed in 5.1)", "framework", pw, s, (after_last(s), None), HEX, check=H.check_password)
        s = H.make_password(pw, "", hasher="unsalted_sha1")
        assert H.check_password(pw, s)
        emit("django", "unsalted_sha1", f"{ver} UnsaltedSHA1PasswordHasher (removed in 5.1)", "framework", pw, s, (after_last(s), None), HEX, check=H.check_password)
        s = H.make_password(pw, "", hasher="unsalted_md5")
        assert H.check_password(pw, s)
        emit("django", "unsalted_md5", f"{ver} UnsaltedMD5PasswordHasher (removed in 5.1)", "framework", pw, s, (0, None), HEX, check=H.check_password)
        # The `md5$$<hex>` form UnsaltedMD5PasswordHasher.verify also accepts (5.0 hashers.py).
        s2 = "md5$$" + s
        assert H.check_password(pw, s2)
        emit("django", "unsalted_md5", f"{ver} UnsaltedMD5PasswordHasher md5$$ form (accepted by verify)", "framework", pw, s2, (5, None), HEX, check=H.check_password)
    # pbkdf2_sha256 at 5.0's default (720,000), as older databases hold it.
    s = H.make_password(DEFAULT_PW, salt, hasher="pbkdf2_sha256")
    emit("django", "pbkdf2_sha256", f"{ver} PBKDF2PasswordHasher (5.0 defaults)", "framework", DEFAULT_PW, s, (after_last(s), None), B64STD, check=H.check_password)



# --------------------------------------------------------------------------- layout
SPRING = "spring-projects/spring-security@d449950b36fe9387c9991130ca8e7701c902192a crypto/src/main/java/org/springframework/security/crypto/"
SPRING_T = "spring-projects/spring-security@d449950b36fe9387c9991130ca8e7701c902192a crypto/src/test/java/org/springframework/security/crypto/"
ASPNET = "dotnet/aspnetcore src/Identity/Extensions.Core/src/PasswordHasher.cs (format header comment)"
ASPNET_T = "dotnet/aspnetcore@03741a0a53c95e382c351bc9a2ae0796aded4fa7 src/Identity/test/Identity.Test/PasswordHasherTest.cs (MIT)"


def md4(msg):
    """Pure-Python MD4 (RFC 1320); OpenSSL 3 hides MD4 from hashlib. Checked below against RFC 1320's suite."""
    m = 0xFFFFFFFF
    rotl = lambda x, s: ((x << s) | (x >> (32 - s))) & m
    ml = len(msg) * 8
    msg = msg + b"\x80" + b"\x00" * ((55 - len(msg)) % 64) + struct.pack("<Q", ml)
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    F = lambda x, y, z: (x & y) | (~x & z)
    G = lambda x, y, z: (x & y) | (x & z) | (y & z)
    Hh = lambda x, y, z: x ^ y ^ z
    rounds = [
        (F, 0, list(range(16)), [3, 7, 11, 19]),
        (G, 0x5A827999, [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], [3, 5, 9, 13]),
        (Hh, 0x6ED9EBA1, [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], [3, 9, 11, 15]),
    ]
    for off in range(0, len(msg), 64):
        X = struct.unpack("<16I", msg[off:off + 64])
        a, b, c, d = h
        for fn, k, order, shifts in rounds:
            for j, i in enumerate(order):
                a = rotl((a + fn(b, c, d) + X[i] + k) & m, shifts[j % 4])
                a, b, c, d = d, a, b, c
        h = [(x + y) & m for x, y in zip(h, [a, b, c, d])]
    return struct.pack("<4I", *h)


RFC1320 = {b"": "31d6cfe0d16ae931b73c59d7e0c089c0", b"a": "bde52cb31de33e46245e05fbdbd6fb24",
           b"abc": "a448017aaf21d8525fc10ae87aa6729d", b"message digest": "d9130a8164549fe818874806e1c7014b",
           b"abcdefghijklmnopqrstuvwxyz": "d79e1c308aa5bbcdeea8ed63df412da9",
           b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789": "043f8582f241db351ce627e153e7f0e4",
           b"1234567890" * 8: "e33b4ddc9c38f2199c3e7b164fcc0536"}
for _k, _v in RFC1320.items():
    assert md4(_k).hex() == _v, _k


def digest(alg, data):
    return md4(data) if alg == "MD4" else hashlib.new({"SHA-1": "sha1", "SHA-256": "sha256", "MD5": "md5"}[alg], data).digest()


def spring_md(alg, pw, salt_text, iterations=1):
    """MessageDigestPasswordEncoder / Md4PasswordEncoder: `{salt}` + hex(MD^n(pw + "{salt}")); no salt => ""."""
    salted = salt_text if salt_text is None else "{" + salt_text + "}"
    v = (pw + (salted or "")).encode()
    for _ in range(iterations):
        v = digest(alg, v)
    return (salted or "") + v.hex()


def spring_pbkdf2(pw, salt, iterations, prf, secret=b""):
    return (salt + hashlib.pbkdf2_hmac(prf, pw.encode(), salt + secret, iterations, 32)).hex()


def spring_standard(pw, salt, secret=b""):
    v = salt + secret + pw.encode()
    for _ in range(1024):
        v = hashlib.sha256(v).digest()
    return (salt + v).hex()


def spring_scrypt(pw, salt, n, r, p, dklen):
    ln = n.bit_length() - 1
    key = hashlib.scrypt(pw.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=2 ** 28)
    return "$%x$%s$%s" % ((ln << 16) | (r << 8) | p, base64.b64encode(salt).decode(), base64.b64encode(key).decode())


def spring_ldap(pw, salt):
    if not salt:
        return "{SHA}" + base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()
    return "{SSHA}" + base64.b64encode(hashlib.sha1(pw.encode() + salt).digest() + salt).decode()


def argon2_phc(pw, salt, t, m, p, hash_len, typ="id"):
    from argon2 import low_level
    T = {"id": low_level.Type.ID, "i": low_level.Type.I}[typ]
    return low_level.hash_secret(pw.encode(), salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=hash_len, type=T).decode()


def bcrypt_hash(pw, cost, prefix=b"2b"):
    import bcrypt
    return bcrypt.hashpw(pw.encode() if isinstance(pw, str) else pw, bcrypt.gensalt(cost, prefix)).decode()


def bcrypt_check(strip, pre=lambda p: p.encode()):
    """Verify with pyca bcrypt: drop `strip` leading characters, read $2y$/$2a$ as $2b$."""
    import bcrypt
    def check(p, s):
        inner = s[strip:]
        return bcrypt.checkpw(pre(p), ("$2b$" + inner[4:]).encode())
    return check


def argon2_check(prefix_len):
    from argon2 import low_level, exceptions
    def check(p, s):
        phc = s[prefix_len:]
        typ = low_level.Type.ID if phc.startswith("$argon2id$") else low_level.Type.I
        try:
            return low_level.verify_secret(phc.encode(), p.encode(), typ)
        except exceptions.VerificationError:
            return False
    return check


def aspnet_v2(pw, salt):
    return base64.b64encode(b"\x00" + salt + hashlib.pbkdf2_hmac("sha1", pw.encode(), salt, 1000, 32)).decode()


def aspnet_v3(pw, salt, prf, iterations, subkey_len=32):
    code = {"sha1": 0, "sha256": 1, "sha512": 2}[prf]
    key = hashlib.pbkdf2_hmac(prf, pw.encode(), salt, iterations, subkey_len)
    return base64.b64encode(b"\x01" + struct.pack(">III", code, iterations, len(salt)) + salt + key).decode()


def cross_checks():
    """The layout functions reproduce the frameworks' own test literals (else the script stops)."""
    lits = []  # (family, scheme, source, password, stored)
    # Spring MessageDigestPasswordEncoderTests (MD5) and Md4PasswordEncoderTests.
    t = SPRING_T + "password/MessageDigestPasswordEncoderTests.java"
    assert spring_md("MD5", "abc123", "THIS_IS_A_SALT") == "{THIS_IS_A_SALT}a68aafd90299d0b137de28fb4bb68573"
    assert spring_md("MD5", "\u4F60\u597d", None) == "7eca689f0d3389d9dea66ae112e5cfd7"
    assert spring_md("MD5", "password", "salt", 2) == "{salt}eb753fb0c370582b4ee01b30f304b9fc"
    assert spring_md("MD5", "password", None) == "5f4dcc3b5aa765d61d8327deb882cf99"
    assert spring_md("MD5", "password", "") == "{}f1026a66095fc2058c1f8771ed05d6da"
    assert spring_md("MD5", "password", "salt") == "{salt}ce421738b1c5540836bdc8ff707f1572"
    assert spring_md("SHA-1", "abc123", "THIS_IS_A_SALT") == "{THIS_IS_A_SALT}b2f50ffcbd3407fe9415c062d55f54731f340d32"
    for pw, s in [("abc123", "{THIS_IS_A_SALT}a68aafd90299d0b137de28fb4bb68573"),
                  ("\u4F60\u597d", "7eca689f0d3389d9dea66ae112e5cfd7"),
                  ("password", "5f4dcc3b5aa765d61d8327deb882cf99"),
                  ("password", "{}f1026a66095fc2058c1f8771ed05d6da"),
                  ("password", "{salt}ce421738b1c5540836bdc8ff707f1572")]:
        lits.append(("spring", "{MD5}", t + " MessageDigestPasswordEncoder(\"MD5\") (Apache-2.0)", pw, "{MD5}" + s))
    lits.append(("spring", "{SHA-1}", t + " testBasicFunctionality (Apache-2.0)", "abc123", "{SHA-1}{THIS_IS_A_SALT}b2f50ffcbd3407fe9415c062d55f54731f340d32"))
    t = SPRING_T + "password/Md4PasswordEncoderTests.java"
    assert spring_md("MD4", "\u4F60\u597d", None) == "a7f1196539fd1f85f754ffd185b16e6e"
    assert spring_md("MD4", "password", "thisissalt") == "{thisissalt}6cc7924dad12ade79dfb99e424f25260"
    assert base64.b64encode(md4("ww_uni123{Alan K Stewart}".encode())).decode() == "ZplT6P5Kv6Rlu6W4FIoYNA=="
    lits.append(("spring", "{MD4}", t + " (Apache-2.0)", "\u4F60\u597d", "{MD4}a7f1196539fd1f85f754ffd185b16e6e"))
    lits.append(("spring", "{MD4}", t + " (Apache-2.0)", "password", "{MD4}{thisissalt}6cc7924dad12ade79dfb99e424f25260"))
    # Spring LdapShaPasswordEncoderTests.
    t = SPRING_T + "password/LdapShaPasswordEncoderTests.java (Apache-2.0)"
    for s in ["{SHA}ddSFGmjXYPbZC+NXR2kCzBRjqiE=", "{sha}ddSFGmjXYPbZC+NXR2kCzBRjqiE=",
              "{SSHA}25ro4PKC8jhQZ26jVsozhX/xaP0suHgX", "{ssha}PQy2j+6n5ytA+YlAKkM8Fh4p6u2JxfVd"]:
        body = base64.b64decode(s.split("}", 1)[1])
        assert spring_ldap("boabspasswurd", body[20:])[-len(s.split("}", 1)[1]):] == s.split("}", 1)[1]
        lits.append(("spring", "{ldap}", t, "boabspasswurd", "{ldap}" + s))
    # Spring Pbkdf2PasswordEncoderTests.
    t = SPRING_T + "password/Pbkdf2PasswordEncoderTests.java"
    assert spring_pbkdf2("password", bytes.fromhex("ab1146a8458d4ce4"), 185000, "sha1", b"secret") == "ab1146a8458d4ce4e65789e5a3f60e423373cfa10b01abd23739e5ae2fdc37f8e9ede4ae6da65264"
    assert spring_pbkdf2("password", bytes.fromhex("0123456789abcdef" * 2), 185000, "sha1") == "0123456789abcdef0123456789abcdef10d883c2a0e653c97175c4a2583a7f1fd3301b319a7657d95f75365ea7c04ce1"
    v58 = "fefe5120467e5d4ccff442dbb2fa86d276262d97435c0c54e5eebced51ffd144fcb05eb53fea2677216c4f3250010006"
    assert spring_pbkdf2("password", bytes.fromhex(v58[:32]), 310000, "sha256") == v58
    lits.append(("spring", "{pbkdf2@SpringSecurity_v5_8}", t + " matchWhenDefaultsForSpringSecurity_v5_8ThenSuccess (Apache-2.0)", "password", "{pbkdf2@SpringSecurity_v5_8}" + v58))
    # Spring Argon2PasswordEncoderTests (predictable salt "AAAA...").
    t = SPRING_T + "argon2/Argon2PasswordEncoderTests.java"
    a52 = "$argon2id$v=19$m=4096,t=3,p=1$QUFBQUFBQUFBQUFBQUFBQQ$hmmTNyJlwbb6HAvFoHFWF+u03fdb0F2qA+39oPlcAqo"
    a58 = "$argon2id$v=19$m=16384,t=2,p=1$QUFBQUFBQUFBQUFBQUFBQQ$zGt5MiNPSUOo4/7jBcJMayCPfcsLJ4c0WUxhwGDIYPw"
    assert argon2_phc("sometestpassword", b"A" * 16, 3, 4096, 1, 32) == a52
    assert argon2_phc("sometestpassword", b"A" * 16, 2, 16384, 1, 32) == a58
    lits.append(("spring", "{argon2}", t + " defaultsForSpringSecurity_v5_2 predictable salt (Apache-2.0)", "sometestpassword", "{argon2}" + a52))
    lits.append(("spring", "{argon2@SpringSecurity_v5_8}", t + " defaultsForSpringSecurity_v5_8 predictable salt (Apache-2.0)", "sometestpassword", "{argon2@SpringSecurity_v5_8}" + a58))
    # ASP.NET Core Identity PasswordHasherTest (SequentialRandomNumberGenerator: salt 00..0f).
    v2 = "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg=="
    v3 = "AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw=="
    assert aspnet_v2("my password", bytes(range(16))) == v2
    assert aspnet_v3("my password", bytes(range(16)), "sha256", 10000) == v3
    for s, note in [(v2, "HashPassword_Version2"), (v3, "HashPassword_Version3 (Core <= 6 default: SHA256, 10000)"),
                    ("ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==", "v2 SHA1 1000"),
                    ("AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw", "v3 SHA512 50 iter, 128-bit subkey"),
                    ("AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw==", "v3 SHA512 250 iter, 512-bit subkey"),
                    ("AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M", "v3 SHA1 250 iter, 128-bit subkey"),
                    ("AQAAAAEAA9CQAAAAIESkQuj2Du8Y+kbc5lcN/W/3NiAZFEm11P27nrSN5/tId+bR1SwV8CO1Jd72r4C08OLvplNlCDc3oQZ8efcW+jQ=", "v3 SHA256 250000 iter")]:
        raw = base64.b64decode(s)
        if raw[0] == 1:
            prf, it, sl = struct.unpack(">III", raw[1:13])
            name = ["sha1", "sha256", "sha512"][prf]
            assert aspnet_v3("my password", raw[13:13 + sl], name, it, len(raw) - 13 - sl) == s, note
            scheme = "v3-" + name
        else:
            assert aspnet_v2("my password", raw[1:17]) == s, note
            scheme = "v2"
        lits.append(("aspnet", scheme, ASPNET_T + " " + note, "my password", s))
    return lits


def recompute_checks():
    """Independent verifiers for layout rows: parse the stored string, recompute, compare."""
    def body(s):
        return s[s.index("}") + 1:]
    def pb(salt_len, iters, prf):
        def c(p, s):
            b = bytes.fromhex(body(s))
            return spring_pbkdf2(p, b[:salt_len], iters, prf) == body(s)
        return c
    def std(p, s):
        return spring_standard(p, bytes.fromhex(body(s))[:8]) == body(s)
    def md(alg):
        def c(p, s):
            b = body(s)
            salt = b[1:b.index("}")] if b.startswith("{") else None
            return spring_md(alg, p, salt) == b
        return c
    def ldap(p, s):
        b = s[len("{ldap}"):]
        raw = base64.b64decode(b.split("}", 1)[1])
        return spring_ldap(p, raw[20:]) == b
    def sc(dklen):
        def c(p, s):
            _, params, salt, key = body(s).split("$")
            v = int(params, 16)
            return spring_scrypt(p, base64.b64decode(salt), 1 << (v >> 16), (v >> 8) & 0xFF, v & 0xFF, dklen) == body(s)
        return c
    def asp(p, s):
        raw = base64.b64decode(s)
        if raw[0] == 0:
            return aspnet_v2(p, raw[1:17]) == s
        prf, it, sl = struct.unpack(">III", raw[1:13])
        return aspnet_v3(p, raw[13:13 + sl], ["sha1", "sha256", "sha512"][prf], it, len(raw) - 13 - sl) == s
    return dict(pbkdf2=pb(8, 185000, "sha1"), pbkdf2_58=pb(16, 310000, "sha256"), std=std, md=md,
                ldap=ldap, scrypt=sc(32), aspnet=asp)


def layout_rows():
    C = recompute_checks()
    from passlib.hash import phpass as _phpass
    lits = cross_checks()
    fixed = lambda n: bytes((7 * i + 1) & 0xFF for i in range(n))  # fixed salts: rows are deterministic
    pws = [DEFAULT_PW] + CHEAP_PWS
    last = lambda s: (after_last(s), None)
    # ---- Spring DelegatingPasswordEncoder ids (PasswordEncoderFactories.createDelegatingPasswordEncoder)
    for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
        s = "{bcrypt}" + bcrypt_hash(pw, 10, b"2a")
        emit("spring", "{bcrypt}", SPRING + "bcrypt/BCryptPasswordEncoder.java (strength 10, $2a$)", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(8))
        s = "{argon2}" + argon2_phc(pw, fixed(16), 3, 4096, 1, 32)
        emit("spring", "{argon2}", SPRING + "argon2/Argon2PasswordEncoder.java defaultsForSpringSecurity_v5_2 (salt 16, hash 32, p 1, m 4096, t 3)", "layout", pw, s, last(s), B64STD, check=argon2_check(8))
        s = "{argon2@SpringSecurity_v5_8}" + argon2_phc(pw, fixed(16), 2, 16384, 1, 32)
        emit("spring", "{argon2@SpringSecurity_v5_8}", SPRING + "argon2/Argon2PasswordEncoder.java defaultsForSpringSecurity_v5_8 (m 16384, t 2, p 1)", "layout", pw, s, last(s), B64STD, check=argon2_check(28))
        s = "{pbkdf2}" + spring_pbkdf2(pw, fixed(8), 185000, "sha1")
        emit("spring", "{pbkdf2}", SPRING + "password/Pbkdf2PasswordEncoder.java defaultsForSpringSecurity_v5_5 (secret \"\", salt 8, 185000, 256 bit, HmacSHA1)", "layout", pw, s, (len(s) - 64, None), HEX, check=C["pbkdf2"])
        s = "{pbkdf2@SpringSecurity_v5_8}" + spring_pbkdf2(pw, fixed(16), 310000, "sha256")
        emit("spring", "{pbkdf2@SpringSecurity_v5_8}", SPRING + "password/Pbkdf2PasswordEncoder.java defaultsForSpringSecurity_v5_8 (salt 16, 310000, HmacSHA256)", "layout", pw, s, (len(s) - 64, None), HEX, check=C["pbkdf2_58"])
        s = "{scrypt}" + spring_scrypt(pw, fixed(64), 16384, 8, 1, 32)
        emit("spring", "{scrypt}", SPRING + "scrypt/SCryptPasswordEncoder.java defaultsForSpringSecurity_v4_1 (16384, 8, 1, key 32, salt 64)", "layout", pw, s, last(s), B64STD, check=C["scrypt"])
        s = "{scrypt@SpringSecurity_v5_8}" + spring_scrypt(pw, fixed(16), 65536, 8, 1, 32)
        emit("spring", "{scrypt@SpringSecurity_v5_8}", SPRING + "scrypt/SCryptPasswordEncoder.java defaultsForSpringSecurity_v5_8 (65536, 8, 1, key 32, salt 16)", "layout", pw, s, last(s), B64STD, check=C["scrypt"])
    salt_text = base64.b64encode(fixed(32)).decode()  # Base64StringKeyGenerator: 32 bytes, standard base64
    for pw in pws:
        s = "{sha256}" + spring_standard(pw, fixed(8))
        emit("spring", "{sha256}", SPRING + "password/StandardPasswordEncoder.java (secret \"\", salt 8, SHA-256 x1024)", "layout", pw, s, (len(s) - 64, None), HEX, check=C["std"])
        for alg in ["SHA-256", "SHA-1", "MD5", "MD4"]:
            cls = "Md4PasswordEncoder" if alg == "MD4" else f"MessageDigestPasswordEncoder(\"{alg}\")"
            s = "{" + alg + "}" + spring_md(alg, pw, salt_text)
            emit("spring", "{%s}" % alg, SPRING + f"password/{'Md4' if alg == 'MD4' else 'MessageDigest'}PasswordEncoder.java {cls} (Base64StringKeyGenerator salt, 1 iteration)", "layout", pw, s, (s.rindex("}") + 1, None), HEX, check=C["md"](alg))
        s = "{ldap}" + spring_ldap(pw, fixed(8))
        emit("spring", "{ldap}", SPRING + "password/LdapShaPasswordEncoder.java (KeyGenerators.secureRandom(): salt 8, {SSHA})", "layout", pw, s, (12, 12 + 24), B64STD, check=C["ldap"])
    s = "{ldap}" + spring_ldap(DEFAULT_PW, b"")
    emit("spring", "{ldap}", SPRING + "password/LdapShaPasswordEncoder.java ({SHA}, no salt)", "layout", DEFAULT_PW, s, (11, 11 + 24), B64STD, check=C["ldap"])
    s = "{noop}" + DEFAULT_PW
    emit("spring", "{noop}", SPRING + "password/NoOpPasswordEncoder.java (plaintext; refused unless opted in)", "layout", DEFAULT_PW, s, (6, None), "abcdefghijklmnopqrstuvwxyz", "refused:plaintext")
    # ---- ASP.NET Core Identity
    asp_span = lambda s: (len(s) - 10, len(s) - 2)
    for pw in pws:
        s = aspnet_v2(pw, fixed(16))
        emit("aspnet", "v2", ASPNET + " IdentityV2: PBKDF2-HMAC-SHA1, 1000, salt 16, subkey 32", "layout", pw, s, asp_span(s), B64STD, check=C["aspnet"])
    for prf, it, note in [("sha1", 10000, "PRF HMACSHA1"), ("sha256", 10000, "ASP.NET Core <= 6 default"), ("sha512", 100000, ".NET 7+ default")]:
        for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
            s = aspnet_v3(pw, fixed(16), prf, it)
            emit("aspnet", "v3-" + prf, ASPNET + f" IdentityV3: {prf}, {it} iterations, salt 16, subkey 32 ({note})", "layout", pw, s, asp_span(s), B64STD, check=C["aspnet"])
    s = aspnet_v3(DEFAULT_PW, fixed(16), "sha512", 2000000)
    emit("aspnet", "v3-sha512", ASPNET + " IdentityV3: sha512, 2000000 iterations (above the default work cap)", "layout", DEFAULT_PW, s, asp_span(s), B64STD, "refused:iterations")
    # ---- PHP password_hash
    PHP = "php/php-src ext/standard/password.c"
    for cost in (10, 12):
        for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
            s = "$2y$" + bcrypt_hash(pw, cost)[4:]
            emit("php", "bcrypt-2y", PHP + f" PASSWORD_BCRYPT cost {cost} ({'PHP <= 8.3' if cost == 10 else 'PHP 8.4'} default); $2y$ = pyca $2b$ relabelled", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
    for typ in ("i", "id"):
        for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
            s = argon2_phc(pw, fixed(16), 4, 65536, 1, 32, typ)
            emit("php", "argon2" + typ, PHP + f" PASSWORD_ARGON2{typ.upper()} PHP 7.3+ defaults (m 65536, t 4, p 1, salt 16, hash 32; libargon2 encoder)", "layout", pw, s, last(s), B64STD, check=argon2_check(0))
    # PHP 7.2 argon2i defaults (m 1024, t 2, p 2).
    s = argon2_phc(DEFAULT_PW, fixed(16), 2, 1024, 2, 32, "i")
    emit("php", "argon2i", PHP + " PASSWORD_ARGON2I PHP 7.2 defaults (m 1024, t 2, p 2)", "layout", DEFAULT_PW, s, last(s), B64STD)
    # ---- WordPress
    from passlib.hash import phpass
    WP = "WordPress/wordpress-develop src/wp-includes/pluggable.php"
    for pw in pws:
        s = phpass.using(rounds=13, salt="abcdefgh").hash(pw.strip())
        emit("wordpress", "phpass", WP + " wp_hash_password < 6.8: class-phpass.php PasswordHash(8, true) => $P$B (2^13); made with passlib==1.7.4 phpass(rounds=13)", "layout", pw, s, (12, None), B64CRYPT,
             check=lambda p, s: _phpass.verify(p.strip(), s))
    for pw in pws:
        s = hashlib.md5(pw.encode()).hexdigest()
        emit("wordpress", "md5", WP + " wp_check_password: md5(pw) === hash (a password set by hand in the database)", "layout", pw, s, (0, None), HEX,
             check=lambda p, s: hashlib.md5(p.encode()).hexdigest() == s)
    def wp68(pw):
        pre = base64.b64encode(hmac.new(b"wp-sha384", pw.strip().encode(), hashlib.sha384).digest())
        return "$wp$2y$" + bcrypt_hash(pre, 10)[4:]
    for pw in pws:
        s = wp68(pw)
        emit("wordpress", "wp-bcrypt", WP + " wp_hash_password 6.8: '$wp' . password_hash(base64(hmac_sha384(trim(pw), 'wp-sha384')), BCRYPT cost 10)", "layout", pw, s, bcrypt_span(s), B64CRYPT,
             check=bcrypt_check(3, lambda p: base64.b64encode(hmac.new(b"wp-sha384", p.strip().encode(), hashlib.sha384).digest())))
    # Hash side trims, check side (wp_check_password) does not: the untrimmed candidate is invalid.
    s = wp68("secret with trailing space ")
    ROWS.append(("wordpress", "wp-bcrypt", WP + " hashed trim(pw); candidate = trimmed", "layout", "right", b"secret with trailing space".hex(), s, "valid"))
    ROWS.append(("wordpress", "wp-bcrypt", WP + " hashed trim(pw); candidate = untrimmed (wp_check_password does not trim)", "layout", "wrong", b"secret with trailing space ".hex(), s, "invalid"))
    # ---- node-argon2, Rails/Devise, Laravel, Node bcrypt
    for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
        s = argon2_phc(pw, fixed(16), 3, 65536, 4, 32)
        emit("node", "node-argon2", "ranisalt/node-argon2@a6ca2fd561a5505bc5db4c65510b585a4025ba3c argon2.cjs defaults (argon2id, m 65536, t 3, p 4, hash 32, salt 16; @phc/format)", "layout", pw, s, last(s), B64STD, check=argon2_check(0))
        s = "$2a$" + bcrypt_hash(pw, 12)[4:]
        emit("rails", "bcrypt-2a", "bcrypt-ruby BCrypt::Engine::DEFAULT_COST 12 ($2a$); Devise config.stretches 12 (no pepper)", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
        s = "$2y$" + bcrypt_hash(pw, 12)[4:]
        emit("laravel", "bcrypt-2y", "laravel/framework Illuminate/Hashing/BcryptHasher (BCRYPT_ROUNDS 12, password_hash $2y$)", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
        s = bcrypt_hash(pw, 10)
        emit("node", "bcrypt-2b", "kelektiv/node.bcrypt.js genSalt(10) ($2b$)", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
        s = "$2a$" + bcrypt_hash(pw, 10)[4:]
        emit("node", "bcryptjs-2a", "dcodeIO/bcrypt.js 2.x genSalt(10) ($2a$)", "layout", pw, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
    s = "$2y$" + bcrypt_hash(DEFAULT_PW, 10)[4:]
    emit("laravel", "bcrypt-2y", "laravel/framework Illuminate/Hashing/BcryptHasher (rounds 10, Laravel <= 10)", "layout", DEFAULT_PW, s, bcrypt_span(s), B64CRYPT, check=bcrypt_check(0))
    for fam, scheme, src, pw, s in lits:
        literal(fam, scheme, src, pw, s)


if MODE == "default":
    django52()
    django52_argon2i()
    passlib_rows()
    argon2cffi_rows()
    nacl_rows()
    out("made by the frameworks' own code: gen_migrate.py (requirements.txt); see README.md")
elif MODE == "django50":
    django50()
    out("made by Django 5.0.14 (requirements-django50.txt): gen_migrate.py django50; see README.md")
elif MODE == "layout":
    layout_rows()
    out("computed from documented layouts (gen_migrate.py layout) and copied framework test literals; see README.md")
else:
    sys.exit("usage: gen_migrate.py [default|django50|layout]")
