@0xdbb9ad1f14bf0b36;

# A point.
struct Point {
  x @0 :Float64;
  y @1 :Float64;
}

interface Geo {
  dist @0 (a :Point, b :Point) -> (d :Float64);
}
