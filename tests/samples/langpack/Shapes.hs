module Shapes
  ( Shape (..)
  , area
  , perimeter
  , Describable (..)
  ) where

import Data.List (sortOn)

-- | A plane figure.
data Shape
  = Circle Double
  | Rect Double Double
  deriving (Show, Eq)

-- | The area enclosed by a shape.
area :: Shape -> Double
area (Circle r) = pi * r * r
area (Rect w h) = w * h

-- | The length of a shape's outline.
perimeter :: Shape -> Double
perimeter shape =
  case shape of
    Circle r -> 2 * pi * r
    Rect w h -> 2 * (w + h)

largest :: [Shape] -> Maybe Shape
largest [] = Nothing
largest shapes = Just (last (sortOn area shapes))

class Describable a where
  describe :: a -> String

instance Describable Shape where
  describe s = "a shape of area " ++ show (area s)
