package main

import "fmt"

const Limit = 10

// Point is a point.
type Point struct {
	X, Y int
}

// Dist returns the distance.
func (p *Point) Dist(q Point) int {
	return abs(p.X-q.X) + abs(p.Y-q.Y)
}

// Add adds.
func Add(a, b int) int {
	fmt.Println("add")
	return a + b
}

type Shape interface {
	Area() float64
}
