<?php
namespace Demo;

use Foo\Bar;

const LIMIT = 10;

/**
 * A greeter.
 */
class Greeter extends Base
{
    private $name;

    /** Make one. */
    public function __construct($name)
    {
        $this->name = $name;
    }

    public function greet()
    {
        return sprintf("hi %s", $this->name);
    }
}

// Adds.
function add($a, $b)
{
    return helper($a) + $b;
}

interface Shape
{
    public function area();
}
