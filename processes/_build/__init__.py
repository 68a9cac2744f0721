"""Generator of the procedure packages in processes/ (BPMN, forms, settings, description).

Run ``python -m processes._build.generate`` from the repository root to rewrite every package.
"""
