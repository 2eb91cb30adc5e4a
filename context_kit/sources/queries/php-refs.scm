; Names a PHP slice refers to: called functions and methods, constructed classes, static
; calls and constants, supertypes and the types it declares (parameters, returns, catches).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(function_call_expression function: (name) @ref)
(member_call_expression name: (name) @ref)
(scoped_call_expression scope: (name) @ref)
(scoped_call_expression name: (name) @ref)
(object_creation_expression (name) @ref)
(base_clause (name) @ref)
(class_interface_clause (name) @ref)
(named_type (name) @ref)
(named_type (qualified_name (name) @ref))
(class_constant_access_expression . (name) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): ``const``,
; and ``define('NAME', ...)`` at the top level or under a top-level guard
; (``if (!defined('NAME')) { define('NAME', ...); }``). The name is the first argument's
; text; @_define (ignored) holds the called name the predicate checks.
(program (const_declaration (const_element (name) @def)))
(program (expression_statement (function_call_expression
  function: (name) @_define
  arguments: (arguments . (argument [(string (string_content) @def) (encapsed_string (string_content) @def)])))
  (#eq? @_define "define")))
(program (if_statement body: (compound_statement (expression_statement (function_call_expression
  function: (name) @_define
  arguments: (arguments . (argument [(string (string_content) @def) (encapsed_string (string_content) @def)]))))
  (#eq? @_define "define"))))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; properties, class constants and enum cases.
(property_element (variable_name (name) @member))
(declaration_list (const_declaration (const_element (name) @member)))
(enum_case name: (name) @member)

; Attributes a constructor declares (@attribute; only methods take them, qualified by their
; class): promoted parameters (``public function __construct(private int $id)``).
(method_declaration
  name: (name) @_name
  parameters: (formal_parameters
    (property_promotion_parameter name: (variable_name (name) @attribute)))
  (#eq? @_name "__construct"))
