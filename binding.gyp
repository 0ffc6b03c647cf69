{
  "targets": [
    {
      "target_name": "wirestack_tap",
      "sources": ["src/tap/native/tap.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["src/tap/native/tap.c"]}]]
    }
  ]
}
