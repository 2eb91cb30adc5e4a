package Greeter;
use strict;
use warnings;

# Build a greeter.
sub new {
    my ($class, %args) = @_;
    return bless {%args}, $class;
}

sub greet {
    my ($self) = @_;
    return "hello " . $self->{name};
}

1;
