# Add two numbers.
proc add {a b} {
    return [expr {$a + $b}]
}
