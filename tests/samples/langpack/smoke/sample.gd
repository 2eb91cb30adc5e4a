extends Node

## Add two numbers.
func add(a, b):
	return a + b

class Inner:
	func hello():
		print("hi")
