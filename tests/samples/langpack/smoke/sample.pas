program Hello;

{ Add two numbers. }
function Add(a, b: Integer): Integer;
begin
  Add := a + b;
end;

procedure Greet(name: string);
begin
  WriteLn('hello ', name);
end;

begin
  Greet('world');
end.
