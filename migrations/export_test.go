package migrations

// ApplyList applies the given files instead of the embedded ones.
var ApplyList = apply
