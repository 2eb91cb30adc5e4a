package demo

import kotlin.math.abs

val LIMIT = 10

/** A greeter. */
class Greeter(val name: String) : Base() {
    private val x = 1

    /** Greets. */
    fun greet(): String {
        return format("hi %s", name)
    }

    companion object {
        fun build(): Greeter = Greeter("x")
    }
}

// Adds.
fun add(a: Int, b: Int): Int {
    return helper(a) + b
}

interface Shape {
    fun area(): Double
}

object Registry {
    fun register(x: Int) {
        println(x)
    }
}
