import Foundation

let limit = 10

/// A greeter.
class Greeter: Base {
    var name: String

    /// Make one.
    init(name: String) {
        self.name = name
    }

    // Greets.
    func greet() -> String {
        return format("hi %@", name)
    }
}

struct Point {
    var x: Int
    func dist(_ o: Point) -> Int {
        return abs(x - o.x)
    }
}

protocol Shape {
    func area() -> Double
}

extension Point: Shape {
    func area() -> Double { return 0 }
}

/// Adds.
func add(_ a: Int, _ b: Int) -> Int {
    return helper(a) + b
}
