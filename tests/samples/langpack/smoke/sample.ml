(* Geometry helpers. *)
open Printf

type point = { x : float; y : float }

(** Distance between two points. *)
let dist a b =
  let dx = a.x -. b.x and dy = a.y -. b.y in
  sqrt (dx *. dx +. dy *. dy)

module Shape = struct
  let area r = 3.14 *. r *. r
  let perimeter r = 2. *. 3.14 *. r
end

let () = printf "%f\n" (dist { x = 0.; y = 0. } { x = 1.; y = 1. })
