## Add two numbers.
proc add(a, b: int): int =
  result = a + b

type Point = object
  x, y: float

func norm(p: Point): float =
  p.x * p.x + p.y * p.y
