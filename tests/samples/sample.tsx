import React from "react";

// A button.
export function Button(props: { label: string }) {
  return <button>{props.label}</button>;
}

class Panel extends React.Component {
  render() {
    return <div />;
  }
}
