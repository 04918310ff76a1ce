/* Times argon2id_verify from the system libargon2 (Debian's libargon2-dev,
 * the C reference implementation as most stacks ship it) on one encoded
 * hash, single-threaded. Usage: verify_bench ENCODED PASSWORD N
 * Prints: "libargon2 <ms per verify>". Built and run by run.sh. */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ENCODED PASSWORD N\n", argv[0]);
        return 2;
    }
    const char *encoded = argv[1];
    const char *password = argv[2];
    int n = atoi(argv[3]);
    if (n < 1) return 2;
    /* Warm up, and check the hash is what we think it is. */
    if (argon2id_verify(encoded, password, strlen(password)) != ARGON2_OK) {
        fprintf(stderr, "libargon2 did not verify the hash\n");
        return 1;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < n; i++) {
        /* A wrong password: the login path an attacker drives. */
        if (argon2id_verify(encoded, "wrong password", 14) != ARGON2_VERIFY_MISMATCH) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = ((end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6) / n;
    printf("libargon2 %.3f\n", ms);
    return 0;
}
