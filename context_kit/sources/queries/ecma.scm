; What the JavaScript, TypeScript and TSX queries share (each includes this file with an
; "; inherits: ecma" line): the grammars are one family and name these nodes alike.
; Written for context_kit.

; @ref: called functions and methods, constructed classes and member reads.
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(member_expression object: (identifier) @ref)

; @def (only module runs take them): top-level variables, exported or not.
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(program (variable_declaration (variable_declarator name: (identifier) @def)))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @def))))
(program (export_statement (variable_declaration (variable_declarator name: (identifier) @def))))
; Destructured ones (``const {a, b: {c}, ...d} = o``, ``let [x, [y = 1]] = arr``): the
; pattern is captured whole (@destructure) and its binding names are read at any depth in
; Python (code.py, ``_bindings``): not the keys read, nor the defaults. The declaration is a
; lexical or variable one; only those hold a variable_declarator.
(program (_ (variable_declarator name: [(object_pattern) (array_pattern)] @destructure)))
(program (export_statement (_ (variable_declarator name: [(object_pattern) (array_pattern)] @destructure))))

; Attributes a constructor sets (@attribute; only methods take them, qualified by their
; class): ``this.x = ...`` statements directly in ``constructor``'s body.
(method_definition
  name: (property_identifier) @_name
  body: (statement_block
    (expression_statement
      (assignment_expression left: (member_expression object: (this) property: (property_identifier) @attribute))))
  (#eq? @_name "constructor"))
