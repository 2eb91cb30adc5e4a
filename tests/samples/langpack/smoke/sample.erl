-module(geo).
-export([add/2]).

%% Add two numbers.
add(A, B) ->
    A + B.

greet(Name) ->
    io:format("hello ~s~n", [Name]).
