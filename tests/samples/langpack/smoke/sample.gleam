import gleam/io

/// Add two numbers.
pub fn add(a: Int, b: Int) -> Int {
  a + b
}

pub fn main() {
  io.println("hi")
}
