using System;

namespace Demo
{
    /// <summary>A greeter.</summary>
    public class Greeter : Base
    {
        private string name;

        /// <summary>Make one.</summary>
        public Greeter(string name)
        {
            this.name = name;
        }

        // Greets.
        public string Greet()
        {
            return String.Format("hi {0}", name);
        }

        public int Count { get; set; }
    }

    interface IShape
    {
        double Area();
    }
}
