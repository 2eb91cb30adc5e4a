use std::fmt;

const LIMIT: u32 = 10;

/// A point.
pub struct Point {
    x: i32,
    y: i32,
}

impl Point {
    /// Make a point.
    pub fn new(x: i32, y: i32) -> Self {
        Point { x, y }
    }

    fn dist(&self, other: &Point) -> i32 {
        helper(self.x - other.x)
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub trait Shape {
    fn area(&self) -> f64;
}

// Adds.
fn add(a: i32, b: i32) -> i32 {
    a + b
}

mod inner {
    pub fn deep() -> u8 { 1 }
}
