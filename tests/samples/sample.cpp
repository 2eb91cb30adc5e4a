#include <vector>

namespace geo {

// A shape.
class Shape : public Base {
public:
    int sides = 3;
    /// Area.
    virtual double area() const {
        return compute(sides);
    }
};

struct Point {
    int x;
    int dist(const Point& o) const { return x - o.x; }
};

}  // namespace geo

// Out of line.
double geo::Shape::perimeter() const {
    return 0.0;
}

template <typename T>
T maxof(T a, T b) {
    return a > b ? a : b;
}
