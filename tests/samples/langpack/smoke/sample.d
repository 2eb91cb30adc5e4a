import std.stdio;

/// A point.
struct Point {
    double x, y;
    /// Norm.
    double norm() { return x * x + y * y; }
}

int add(int a, int b) {
    return a + b;
}
