; Names a JavaScript slice refers to: called functions and methods, constructed classes,
; base classes and member reads. Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(class_heritage (identifier) @ref)
(member_expression object: (identifier) @ref)
