; inherits: ecma
; Names a JavaScript slice refers to: called functions and methods, constructed classes,
; base classes and member reads (calls, constructions and member reads from ecma.scm).
; Written for context_kit; @ref captures (names used) and @def captures (ecma.scm's
; top-level variables).
(class_heritage (identifier) @ref)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; fields.
(field_definition property: (property_identifier) @member)
