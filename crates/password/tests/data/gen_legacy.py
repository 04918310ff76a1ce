#!/usr/bin/env python3
"""Generates tests/data/legacy.tsv: legacy hashes made by passlib 1.7.4 (and
the `bcrypt` package as passlib's backend), the implementations most
migrating systems used. Run: pip install -r requirements.txt; python3 gen_legacy.py > legacy.tsv
(and python3 gen_legacy.py truncation > truncation.tsv).
Columns: scheme, password (hex), hash. Each row must verify; the test makes
a tampered twin of each (wrong password) that must not."""
import hashlib, os, base64, sys, unicodedata
from passlib import hash as h
import bcrypt as pyca_bcrypt


def truncation_rows():
    """`python3 gen_legacy.py truncation > truncation.tsv`: hashes of long
    passwords made by a bcrypt that still truncates (pyca/bcrypt 4.0.1;
    5.0 refuses more than 72 bytes), candidates that the framework itself
    accepts although they are not the password, and guardrail's answer.
    Columns: scheme, hashed (hex), candidate (hex), what the framework says
    (True/False/error), what guardrail must say (valid/invalid), hash."""
    a = lambda n: "a" * n
    nfkc = lambda s: unicodedata.normalize("NFKC", s)
    cases = [
        # (hashed, candidate, guardrail): the input; 72/73 boundary.
        (a(72), a(72) + "X", "invalid"),
        (a(72), a(72), "valid"),
        (a(71), a(71), "valid"),
        (a(71), a(71) + "X", "invalid"),
        (a(72) + "owner's tail", a(72) + "attacker's tail", "invalid"),
        # The owner's own password longer than 72 bytes: bcrypt never read
        # its tail, so it can no longer be told from others (reset needed).
        (a(72) + "owner's tail", a(72) + "owner's tail", "invalid"),
        (a(100), a(100), "invalid"),
        # A 2-byte character straddling byte 72 (C3 A9: only C3 was read).
        (a(71) + "é", a(71) + "é", "invalid"),
        (a(71) + "é", a(71) + "ê", "invalid"),
        (a(70) + "é", a(70) + "é", "valid"),
        (a(70) + "é", a(70) + "ê", "invalid"),
        # A 4-byte character straddling byte 72.
        (a(70) + "🔑", a(70) + "🔒", "invalid"),
        (a(68) + "🔑", a(68) + "🔑", "valid"),
        # NFKC: guardrail tries the NFKC form, then the raw form; each is
        # judged on its own bytes. "Ａ" (3 bytes) is "A" (1) after NFKC.
        (a(71) + "A", a(71) + "Ａ", "valid"),        # NFKC form (72 bytes) matches
        (a(71) + "Ａ", a(71) + "Ａ", "invalid"),     # raw 74 bytes, hash covers 72
        # "½" (2 bytes) is "1⁄2" (5 bytes) after NFKC.
        (a(70) + "½", a(70) + "½", "valid"),        # raw 72 bytes matches (un-normalised system)
        (nfkc(a(70) + "½"), a(70) + "½", "invalid"),  # NFKC form is 75 bytes
        # A NUL: C bcrypt stops at it; the Rust core cycles "ab\0" over the key.
        ("ab", "ab\0ab", "invalid"),
        ("ab", "ab", "valid"),
    ]
    rows = []
    for hashed, candidate, want in cases:
        hb, cb = hashed.encode(), candidate.encode()
        for ident, rounds in (("2a", 4), ("2b", 5), ("2y", 4)):
            stored = h.bcrypt.using(rounds=rounds, ident=ident).hash(hb)
            rows.append(("bcrypt-" + ident, hb, cb, framework(stored, cb), want, stored))
        django = h.django_bcrypt.using(rounds=4).hash(hb)  # Django's bcrypt$ spelling
        rows.append(("django-bcrypt", hb, cb, framework(django[len("bcrypt$"):], cb), want, django))
        if "\0" not in candidate:
            # Prehashing: bcrypt reads the 64-char hex digest, never truncated.
            pre = h.django_bcrypt_sha256.using(rounds=4).hash(hashed)
            # guardrail tries the NFKC form first, then the raw form.
            pre_want = "valid" if hashed in (candidate, nfkc(candidate)) else "invalid"
            rows.append(("django-bcrypt-sha256", hb, cb, str(h.django_bcrypt_sha256.verify(candidate, pre)), pre_want, pre))
    # HMAC keys are zero-padded: PBKDF2 and scrypt take "pw\0" for "pw".
    for name, handler in (
        ("passlib-pbkdf2-sha256", h.pbkdf2_sha256.using(rounds=1000)),
        ("passlib-pbkdf2-sha1", h.pbkdf2_sha1.using(rounds=1000)),
        ("passlib-pbkdf2-sha512", h.pbkdf2_sha512.using(rounds=1000)),
        ("django-pbkdf2-sha256", h.django_pbkdf2_sha256.using(rounds=1000)),
        ("passlib-scrypt", h.scrypt.using(rounds=10, block_size=8, parallelism=1)),
    ):
        stored = handler.hash("pw")
        for candidate, want in (("pw", "valid"), ("pw\0", "invalid"), ("pw\0\0\0", "invalid")):
            rows.append((name, b"pw", candidate.encode(), str(handler.verify(candidate, stored)), want, stored))
    print("# made by passlib 1.7.4 and pyca/bcrypt 4.0.1 (truncating) with tests/data/gen_legacy.py truncation")
    print("# scheme\thashed_hex\tcandidate_hex\tframework_says\tguardrail\thash")
    for scheme, hb, cb, says, want, stored in rows:
        print("\t".join((scheme, hb.hex(), cb.hex(), says, want, stored)))


def framework(stored, candidate):
    try:
        return str(pyca_bcrypt.checkpw(candidate, stored.encode()))
    except ValueError:
        return "error"


if sys.argv[1:] == ["truncation"]:
    truncation_rows()
    sys.exit(0)

PASSWORDS = ["password", "correct horse battery staple", "pässwörd", "x" * 80, "🔑 emoji key"]
rows = []
def add(scheme, pw, hashed):
    rows.append((scheme, pw.encode().hex(), hashed))

for pw in PASSWORDS:
    # bcrypt reads 72 bytes; newer bcrypt backends refuse more, so hash the
    # first 72 and verify with the whole password (truncation semantics).
    head = pw.encode()[:72]
    add("bcrypt-2b", pw, h.bcrypt.using(rounds=4, ident="2b").hash(head))
    add("bcrypt-2a", pw, h.bcrypt.using(rounds=5, ident="2a").hash(head))
    add("bcrypt-2y", pw, h.bcrypt.using(rounds=4, ident="2y").hash(head))
    add("passlib-pbkdf2-sha1", pw, h.pbkdf2_sha1.using(rounds=1000).hash(pw))
    add("passlib-pbkdf2-sha256", pw, h.pbkdf2_sha256.using(rounds=2000).hash(pw))
    add("passlib-pbkdf2-sha512", pw, h.pbkdf2_sha512.using(rounds=1500).hash(pw))
    add("passlib-scrypt", pw, h.scrypt.using(rounds=10, block_size=8, parallelism=1).hash(pw))
    add("sha256-crypt", pw, h.sha256_crypt.using(rounds=5000).hash(pw))
    add("sha512-crypt", pw, h.sha512_crypt.using(rounds=10000).hash(pw))
    add("sha512-crypt-default-rounds", pw, h.sha512_crypt.using(rounds=5000).hash(pw).replace("rounds=5000$", ""))
    add("md5-crypt", pw, h.md5_crypt.hash(pw))
    add("apr1", pw, h.apr_md5_crypt.hash(pw))
    add("sha1-crypt", pw, h.sha1_crypt.using(rounds=4800).hash(pw))
    add("phpass-P", pw, h.phpass.using(rounds=8, ident="P").hash(pw))
    add("phpass-H", pw, h.phpass.using(rounds=9, ident="H").hash(pw))
    add("django-pbkdf2-sha256", pw, h.django_pbkdf2_sha256.using(rounds=3000).hash(pw))
    add("django-pbkdf2-sha1", pw, h.django_pbkdf2_sha1.using(rounds=2000).hash(pw))
    add("django-bcrypt-sha256", pw, h.django_bcrypt_sha256.using(rounds=4).hash(pw))
    add("django-sha1", pw, h.django_salted_sha1.hash(pw))
    add("django-md5", pw, h.django_salted_md5.hash(pw))
    add("ldap-ssha", pw, h.ldap_salted_sha1.hash(pw))
    add("ldap-smd5", pw, h.ldap_salted_md5.hash(pw))
    add("django-argon2", pw, h.django_argon2.using(memory_cost=256, rounds=2, parallelism=1).hash(pw))

print("# legacy hashes made by passlib 1.7.4 (bcrypt 4.0.1 backend) with tests/data/gen_legacy.py")
print("# scheme\tpassword_hex\thash")
for r in rows:
    print("\t".join(r))
