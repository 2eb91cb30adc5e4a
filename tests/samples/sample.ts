import { Thing } from "./thing";

/** A shape. */
interface Shape {
  area(): number;
}

type Alias = string | number;

// Circle class.
export class Circle implements Shape {
  radius: number = 1;

  /** Area of the circle. */
  area(): number {
    return Math.PI * this.radius ** 2;
  }
}

export function make(r: number): Circle {
  return new Circle();
}

enum Color { Red, Green }

namespace Geo {
  export function dist(a: number): number {
    return a;
  }
}
