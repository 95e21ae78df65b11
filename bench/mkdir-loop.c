/* The baseline cgleak probe is measured against: a tight C loop of mkdir(2) under one parent, then
 * rmdir(2) in reverse. Prints the creation rate. Usage: mkdir-loop PARENT N */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s PARENT N\n", argv[0]); return 64; }
    const char *parent = argv[1];
    int n = atoi(argv[2]), made = 0;
    char path[4096];
    if (mkdir(parent, 0755) != 0) { perror(parent); return 1; }
    double t0 = now();
    for (; made < n; made++) {
        snprintf(path, sizeof path, "%s/%d", parent, made);
        if (mkdir(path, 0755) != 0) { perror(path); break; }
    }
    double t1 = now();
    for (int i = made - 1; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/%d", parent, i);
        rmdir(path);
    }
    rmdir(parent);
    printf("%d %.6f\n", made, t1 - t0);
    return made == n ? 0 : 1;
}
