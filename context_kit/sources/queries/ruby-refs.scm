; Names a Ruby slice refers to: called methods and every constant it names (receivers,
; superclasses, scopes, arguments, rescued errors). Written for context_kit; @ref captures only.
(call method: (identifier) @ref)
(constant) @ref
