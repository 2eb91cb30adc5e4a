// Add.
function add(a, b) {
    return a + b;
}

class Point {
    x = 0;
    function norm() {
        return x * x;
    }
}
