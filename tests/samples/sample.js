import { readFile } from "fs";

const LIMIT = 10;

/** Adds two numbers. */
function add(a, b) {
  return helper(a) + b;
}

// A greeter.
class Greeter extends Base {
  /** Make one. */
  constructor(name) {
    this.name = name;
  }

  greet() {
    return format(this.name);
  }
}

export function exported(x) {
  return x;
}

const arrow = (x) => {
  return x * 2;
};
