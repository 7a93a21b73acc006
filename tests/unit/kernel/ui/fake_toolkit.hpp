// The "window" of the made-up toolkit "fake/1.0": what a fake extension does to
// it is what the test observes.
#pragma once

namespace parley::test {

struct FakeWindow {
  bool refuse_children = false;  // the extension's constructor throws
  int children = 0;              // extensions currently attached
};

}  // namespace parley::test
