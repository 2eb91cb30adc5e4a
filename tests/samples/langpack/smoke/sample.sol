pragma solidity ^0.8.0;

/// A counter.
contract Counter {
    uint public count;

    /// Increment the counter.
    function inc() public {
        count += 1;
    }
}
