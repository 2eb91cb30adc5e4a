; What the C and C++ queries share (each includes this file with an "; inherits: c_family"
; line): C++'s grammar extends C's and names these nodes alike. Written for context_kit.

; @ref: called functions, accessed fields and the types used.
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(type_identifier) @ref

; @def (only module runs take them): macros.
(preproc_def name: (identifier) @def)
(preproc_function_def name: (identifier) @def)
; ... and globals and typedef names declared at the top level, in a top-level
; preprocessor branch, or in a C++ namespace or extern "C" block: redis's ``struct
; redisServer server``, ``typedef char *sds``. (Anchored there: a function's locals would
; only be captured to be thrown away.) Prototypes are function declarators: not these.
(translation_unit
  (declaration declarator: [
    (identifier) @def
    (pointer_declarator declarator: (identifier) @def)
    (array_declarator declarator: (identifier) @def)
    (init_declarator declarator: [
      (identifier) @def
      (pointer_declarator declarator: (identifier) @def)
      (array_declarator declarator: (identifier) @def)])]))
(translation_unit
  (type_definition declarator: [
    (type_identifier) @def
    (pointer_declarator declarator: (type_identifier) @def)]))
(preproc_ifdef
  (declaration declarator: [
    (identifier) @def
    (pointer_declarator declarator: (identifier) @def)
    (array_declarator declarator: (identifier) @def)
    (init_declarator declarator: [
      (identifier) @def
      (pointer_declarator declarator: (identifier) @def)
      (array_declarator declarator: (identifier) @def)])]))
(preproc_ifdef
  (type_definition declarator: [
    (type_identifier) @def
    (pointer_declarator declarator: (type_identifier) @def)]))
(preproc_if
  (declaration declarator: [
    (identifier) @def
    (pointer_declarator declarator: (identifier) @def)
    (array_declarator declarator: (identifier) @def)
    (init_declarator declarator: [
      (identifier) @def
      (pointer_declarator declarator: (identifier) @def)
      (array_declarator declarator: (identifier) @def)])]))
(preproc_if
  (type_definition declarator: [
    (type_identifier) @def
    (pointer_declarator declarator: (type_identifier) @def)]))
(preproc_else
  (declaration declarator: [
    (identifier) @def
    (pointer_declarator declarator: (identifier) @def)
    (array_declarator declarator: (identifier) @def)
    (init_declarator declarator: [
      (identifier) @def
      (pointer_declarator declarator: (identifier) @def)
      (array_declarator declarator: (identifier) @def)])]))
(preproc_else
  (type_definition declarator: [
    (type_identifier) @def
    (pointer_declarator declarator: (type_identifier) @def)]))
(declaration_list
  (declaration declarator: [
    (identifier) @def
    (pointer_declarator declarator: (identifier) @def)
    (array_declarator declarator: (identifier) @def)
    (init_declarator declarator: [
      (identifier) @def
      (pointer_declarator declarator: (identifier) @def)
      (array_declarator declarator: (identifier) @def)])]))
(declaration_list
  (type_definition declarator: [
    (type_identifier) @def
    (pointer_declarator declarator: (type_identifier) @def)]))

; @member (only class spans take them, qualified by the class): struct, union and class
; fields (plain, pointer and array) and enum constants.
(field_declaration declarator: (field_identifier) @member)
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @member))
(field_declaration declarator: (array_declarator declarator: (field_identifier) @member))
(enumerator name: (identifier) @member)
