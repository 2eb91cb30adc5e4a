const std = @import("std");
const math = std.math;

/// A two-dimensional vector.
pub const Vec2 = struct {
    x: f64,
    y: f64,

    /// The vector's Euclidean length.
    pub fn length(self: Vec2) f64 {
        return math.sqrt(self.x * self.x + self.y * self.y);
    }

    pub fn add(a: Vec2, b: Vec2) Vec2 {
        return .{ .x = a.x + b.x, .y = a.y + b.y };
    }
};

/// Sum a slice of vectors.
pub fn sum(items: []const Vec2) Vec2 {
    var total = Vec2{ .x = 0, .y = 0 };
    for (items) |v| {
        total = Vec2.add(total, v);
    }
    return total;
}

test "sum of two vectors" {
    const vs = [_]Vec2{ .{ .x = 1, .y = 2 }, .{ .x = 3, .y = 4 } };
    try std.testing.expectEqual(@as(f64, 4), sum(&vs).x);
}
