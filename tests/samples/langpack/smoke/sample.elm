module Main exposing (main, add)

import Html exposing (text)

{-| Add two numbers. -}
add : Int -> Int -> Int
add a b =
    a + b

main =
    text (String.fromInt (add 1 2))
