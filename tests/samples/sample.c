#include <stdio.h>

#define LIMIT 10

/* A point. */
struct point {
    int x;
    int y;
};

// Adds two ints.
int add(int a, int b)
{
    return helper(a) + b;
}

static char *name(struct point *p) {
    return "p";
}
