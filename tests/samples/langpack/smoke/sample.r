# Add two numbers.
add <- function(a, b) {
  a + b
}

scale = function(v, k) {
  v * k
}

print(add(1, 2))
