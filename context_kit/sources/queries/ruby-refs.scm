; Names a Ruby slice refers to: called methods, constants and superclasses.
; Written for context_kit; @ref captures only.
(call method: (identifier) @ref)
(call receiver: (constant) @ref)
(superclass (constant) @ref)
(scope_resolution name: (constant) @ref)
