module Main where

import Prelude

-- | Add two numbers.
add :: Int -> Int -> Int
add a b = a + b
