"""The labs' exercise sets: one module per lab, each with an ``exercises()`` builder.

They live in the package, not in the notebooks, so the test suite can check that
every exercise accepts its own solution and refuses the usual wrong answers.
"""
