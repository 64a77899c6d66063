"""Demo graphs and configs; ``default/config.json`` is what ``pipeserve`` serves without
``--config_path`` (the wheel ships every folder here that holds a graph, without scripts)."""
