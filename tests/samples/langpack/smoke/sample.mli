(** Geometry. *)

(** Distance. *)
val dist : float -> float -> float

module Shape : sig
  val area : float -> float
end
