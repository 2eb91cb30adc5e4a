<?hh
// A greeter.
class Greeter {
  // Say hello.
  public function greet(): void {
    echo "hi";
  }
}
