-- want: 0 no ceremony { name = ... } declaration
act "One" {
  step { by = "CA", "Alone." },
}
