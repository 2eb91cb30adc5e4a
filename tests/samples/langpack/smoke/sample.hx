package geo;

/** A point. */
class Point {
    public var x:Float;
    /** Norm. */
    public function norm():Float {
        return x * x;
    }
}
