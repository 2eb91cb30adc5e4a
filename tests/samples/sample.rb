require "set"

LIMIT = 10

# A greeter.
class Greeter < Base
  attr_reader :name

  # Make one.
  def initialize(name)
    @name = name
  end

  def greet
    format("hi %s", name)
  end

  def self.build
    new("x")
  end
end

module Util
  def self.helper(x)
    x * 2
  end
end

# Adds.
def add(a, b)
  a + b
end
