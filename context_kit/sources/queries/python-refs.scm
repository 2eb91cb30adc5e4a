; Names a Python slice refers to: called functions and methods, base classes,
; decorators, annotated types and module-qualified attribute reads.
; Written for context_kit; captures named @ref feed the symbol graph and fuzzy matching,
; @def captures (below) name what a module run defines.
(call function: (identifier) @ref)
(call function: (attribute attribute: (identifier) @ref))
(class_definition superclasses: (argument_list (identifier) @ref))
(class_definition superclasses: (argument_list (attribute attribute: (identifier) @ref)))
(decorator (identifier) @ref)
(decorator (attribute attribute: (identifier) @ref))
(type (identifier) @ref)
(attribute object: (identifier) @ref)
(raise_statement (identifier) @ref)
(except_clause (identifier) @ref)

; Names a run of top-level lines defines (@def): module-level assignments.
(module (expression_statement (assignment left: (identifier) @def)))
; ... and each name of a chained or unpacking one (``A = B = 1``, ``C, (D, *E) = ...``,
; ``[F, G] = ...``): an unpacking target is captured whole (@destructure) and its names
; are read at any depth in Python (code.py, ``_bindings``).
(module (expression_statement (assignment right: (assignment left: (identifier) @def))))
(module (expression_statement (assignment left: [(pattern_list) (tuple_pattern) (list_pattern)] @destructure)))
; ... and the names a top-level ``if``/``try``/``with`` assigns in any branch (compat
; modules: ``if PY2: string_types = basestring``, ``try: ... except ImportError: json = None``).
(module (if_statement [
  (block (expression_statement (assignment left: (identifier) @def)))
  (_ (block (expression_statement (assignment left: (identifier) @def))))]))
(module (try_statement [
  (block (expression_statement (assignment left: (identifier) @def)))
  (_ (block (expression_statement (assignment left: (identifier) @def))))]))
(module (with_statement (block (expression_statement (assignment left: (identifier) @def)))))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; class attributes.
(class_definition body: (block (expression_statement (assignment left: (identifier) @member))))

; Attributes a constructor sets (@attribute; only methods take them, qualified by their
; class): ``self.x = ...`` statements directly in ``__init__``'s body.
(function_definition
  name: (identifier) @_name
  body: (block
    (expression_statement
      (assignment left: (attribute object: (identifier) @_self attribute: (identifier) @attribute))))
  (#eq? @_name "__init__")
  (#eq? @_self "self"))
