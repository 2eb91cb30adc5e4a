; Names a Ruby slice refers to: called methods and every constant it names (receivers,
; superclasses, scopes, arguments, rescued errors). Written for context_kit; @ref captures (names used) and @def captures (below).
(call method: (identifier) @ref)
(constant) @ref

; Names a run of top-level lines defines (@def; only module runs take them): constants.
(program (assignment left: (constant) @def))
(program (assignment right: (assignment left: (constant) @def)))
(program (assignment left: (left_assignment_list (constant) @def)))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; constants and the attributes ``attr_reader``, ``attr_writer`` and ``attr_accessor`` declare.
(class (body_statement (assignment left: (constant) @member)))
(module (body_statement (assignment left: (constant) @member)))
(class (body_statement
  (call method: (identifier) @_macro arguments: (argument_list (simple_symbol) @member))
  (#match? @_macro "^attr_(reader|writer|accessor)$")))
(module (body_statement
  (call method: (identifier) @_macro arguments: (argument_list (simple_symbol) @member))
  (#match? @_macro "^attr_(reader|writer|accessor)$")))

; Attributes a constructor sets (@attribute; only methods take them, qualified by their
; class, the @ dropped): ``@x = ...`` statements directly in ``initialize``'s body.
(method
  name: (identifier) @_name
  body: (body_statement
    [(assignment left: (instance_variable) @attribute)
     (operator_assignment left: (instance_variable) @attribute)])
  (#eq? @_name "initialize"))
