"""The instructor's grading tools: one module per concern, thin scripts in ``scripts/`` on top.

* :mod:`grading.sandbox`   - where a submission gets sandboxed: the bubblewrap command line, the
  limits, and the Jupyter kernel manager that starts every autograded kernel inside it
* :mod:`grading.tampering` - after the run: submissions that patched the course's test helpers

Students never import this package; their notebooks only use :mod:`utils`.
"""
