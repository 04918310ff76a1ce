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


def emit(family, scheme, source, made_by, pw, stored, span, alphabet, expect="valid"):
    """Three rows: right, wrong, tampered. `span` = (start, end) of the digest text in `stored`."""
    assert "\t" not in stored and "\n" not in stored
    pwb = pw.encode("utf-8") if isinstance(pw, str) else pw
    wrong = pwb + b"!"
    t = tamper(stored, span[0], span[1], alphabet)
    assert t != stored
    refused = expect.startswith("refused:")
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
    behaviour for that self-test only: every password hashed here is <= 72
    bytes, so no vector is affected."""
    import bcrypt as _b
    orig = _b.hashpw
    _b.hashpw = lambda pw, salt: orig(pw[:72], salt)


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
        emit("django", inst.algorithm, f"{ver} {cls.__name__} (defaults)", "framework", DEFAULT_PW, s, (a, b), alpha)
        sub = type(cls.__name__ + "Cheap", (cls,), over)()
        desc = ",".join(f"{k}={v}" for k, v in over.items()) or "defaults"
        for pw in CHEAP_PWS:
            s = H.make_password(pw, salt if fixed_salt else None, hasher=sub)
            assert sub.verify(pw, s)
            (a, b), alpha = span_for(cls, s)
            emit("django", inst.algorithm, f"{ver} {cls.__name__} ({desc})", "framework", pw, s, (a, b), alpha)


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
        emit("passlib", name, src, "framework", DEFAULT_PW, s, spanf(s), alpha)
        h2 = handler.using(**cheap) if cheap else handler
        desc = ",".join(f"{k}={v}" for k, v in (cheap or {}).items()) or "defaults"
        for pw in CHEAP_PWS:
            s = h2.hash(pw)
            assert h2.verify(pw, s)
            emit("passlib", name, f"{ver} {name} ({desc})", "framework", pw, s, spanf(s), alpha)


def argon2cffi_rows():
    import argon2
    from argon2 import PasswordHasher, profiles
    ver = "argon2-cffi==25.1.0"
    for label, ph in [("PasswordHasher() (RFC_9106_LOW_MEMORY)", PasswordHasher()),
                      ("PasswordHasher.from_parameters(profiles.PRE_21_2)", PasswordHasher.from_parameters(profiles.PRE_21_2))]:
        for pw in [DEFAULT_PW] + CHEAP_PWS[1:3]:
            s = ph.hash(pw)
            assert ph.verify(s, pw)
            emit("argon2", "argon2-cffi", f"{ver} {label}", "framework", pw, s, (after_last(s), None), B64STD)
    cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    for pw in CHEAP_PWS:
        s = cheap.hash(pw)
        emit("argon2", "argon2-cffi", f"{ver} PasswordHasher(time_cost=1,memory_cost=256,parallelism=1)", "framework", pw, s, (after_last(s), None), B64STD)
    # argon2i as argon2-cffi < 18.2 wrote it (type=I); same library, older default type.
    old = PasswordHasher(time_cost=2, memory_cost=512, parallelism=2, hash_len=16, type=argon2.Type.I)
    for pw in CHEAP_PWS[:2]:
        s = old.hash(pw)
        emit("argon2", "argon2-cffi-argon2i", f"{ver} PasswordHasher(type=Type.I,time_cost=2,memory_cost=512,parallelism=2,hash_len=16)", "framework", pw, s, (after_last(s), None), B64STD)


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
                     "framework", pw, s, (after_last(s), None), B64STD, expect)


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
        emit("django", "sha1", f"{ver} SHA1PasswordHasher (removed in 5.1)", "framework", pw, s, (after_last(s), None), HEX)
        s = H.make_password(pw, "", hasher="unsalted_sha1")
        assert H.check_password(pw, s)
        emit("django", "unsalted_sha1", f"{ver} UnsaltedSHA1PasswordHasher (removed in 5.1)", "framework", pw, s, (after_last(s), None), HEX)
        s = H.make_password(pw, "", hasher="unsalted_md5")
        assert H.check_password(pw, s)
        emit("django", "unsalted_md5", f"{ver} UnsaltedMD5PasswordHasher (removed in 5.1)", "framework", pw, s, (0, None), HEX)
        # The `md5$$<hex>` form UnsaltedMD5PasswordHasher.verify also accepts (5.0 hashers.py).
        s2 = "md5$$" + s
        assert H.check_password(pw, s2)
        emit("django", "unsalted_md5", f"{ver} UnsaltedMD5PasswordHasher md5$$ form (accepted by verify)", "framework", pw, s2, (5, None), HEX)
    # pbkdf2_sha256 at 5.0's default (720,000), as older databases hold it.
    s = H.make_password(DEFAULT_PW, salt, hasher="pbkdf2_sha256")
    emit("django", "pbkdf2_sha256", f"{ver} PBKDF2PasswordHasher (5.0 defaults)", "framework", DEFAULT_PW, s, (after_last(s), None), B64STD)


if MODE == "default":
    django52()
    passlib_rows()
    argon2cffi_rows()
    nacl_rows()
    out("made by the frameworks' own code: gen_migrate.py (requirements.txt); see README.md")
elif MODE == "django50":
    django50()
    out("made by Django 5.0.14 (requirements-django50.txt): gen_migrate.py django50; see README.md")
elif MODE == "layout":
    import layout_rows  # noqa: E402  (see layout part below)
else:
    sys.exit("usage: gen_migrate.py [default|django50|layout]")
