package body Geometry is
   -- Area of a circle.
   function Area (R : Float) return Float is
   begin
      return 3.14 * R * R;
   end Area;

   procedure Show (R : Float) is
   begin
      Put_Line (Float'Image (Area (R)));
   end Show;
end Geometry;
