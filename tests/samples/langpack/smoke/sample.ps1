# Greet someone.
function Get-Greeting {
    param([string]$Name)
    "hello $Name"
}

class Point {
    [double]$X
    [double] Norm() { return $this.X * $this.X }
}
